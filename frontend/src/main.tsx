// Browser entry point: applies the saved theme, then mounts the dashboard; nothing else runs at import time.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { App } from './app.tsx';
import { applyThemeChoice } from './use-theme.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

// The gateway's CSP allows no eval; without this zod probes `new Function` once and logs a CSP violation.
z.config({ jitless: true });
applyThemeChoice();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
