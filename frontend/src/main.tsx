// Browser entry point: applies the saved theme, then mounts the dashboard; nothing else runs at import time.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import { applyThemeChoice } from './use-theme.ts';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

applyThemeChoice();
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
