// Built by Maven (npm run build in the console module) into the jar's META-INF/meridian-console/, which the gateway
// serves at /console/. Relative to that base; nothing is loaded from anywhere but the gateway.
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  build: {
    outDir: 'target/classes/META-INF/meridian-console',
    emptyOutDir: true,
    // the world map's TopoJSON makes one chunk larger than Vite's default warning size; it is loaded once
    chunkSizeWarningLimit: 1024,
  },
  test: {
    include: ['test/**/*.test.js'],
    environment: 'node',
  },
});
