import { defineConfig } from 'vite';

// The shop is served by the gateway at / (same origin as /graphql). Built at install by
// scripts/prepare.ts (or `npm run build -w @emporium/storefront`), never while `npm start` waits.
export default defineConfig(({ command }) => ({
  base: '/',
  // React's production build whatever NODE_ENV the builder runs under (a test runner sets "test").
  define: command === 'build' ? { 'process.env.NODE_ENV': JSON.stringify('production') } : {},
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    // One small stylesheet: as a file (the page's CSP allows no inline style).
    cssCodeSplit: false,
    modulePreload: { polyfill: false },
    rolldownOptions: {
      // React Router marks its modules "use client" (for server components); in a browser bundle
      // the directive means nothing.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  oxc: { jsx: { runtime: 'automatic', development: command !== 'build' } },
}));
