// Vite config for the dashboard: `vite build` writes `dist/`, which the gateway serves at `/`;
// in dev, REST and socket.io go through the proxy to a gateway on :3000 so the page stays same-origin.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const gateway = 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [react()],
  server: {
    // https://vite.dev/config/server-options#server-proxy — `ws: true` is needed for the socket.io upgrade.
    proxy: {
      '/api': { target: gateway },
      '/socket.io': { target: gateway, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    rolldownOptions: {
      output: {
        // Vendors in their own chunks: each stays under the 500 kB warning, and a deploy that changes
        // only the app leaves them cached. https://rolldown.rs/in-depth/manual-code-splitting
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/ },
            { name: 'charts', test: /node_modules[\\/](lightweight-charts|fancy-canvas)[\\/]/ },
            { name: 'socket', test: /node_modules[\\/](socket\.io-client|socket\.io-parser|engine\.io-client|engine\.io-parser|@socket\.io)[\\/]/ },
            { name: 'zod', test: /node_modules[\\/]zod[\\/]/ },
          ],
        },
      },
    },
  },
});
