# One image for every service (distributed mode); docker-compose.yml picks the service by command.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY .npmrc package.json package-lock.json turbo.json tsconfig.base.json ./
COPY schemas/package.json schemas/
COPY runtime/package.json runtime/
COPY analytics/package.json analytics/
COPY ingest/package.json ingest/
COPY scoring/package.json scoring/
COPY live/package.json live/
COPY frontend/package.json frontend/
COPY kafka-local/package.json kafka-local/
COPY embedded/package.json embedded/
RUN npm ci
COPY . .
RUN npm run build -w @barometer/frontend

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app /app
USER node
