/// <reference types="vite/client" />

/** The API the dev server forwards /api to, shown in the header (set by web/vite.config.ts). */
declare const __API_TARGET__: string;
