import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

// The orchestrator serves the built files from its jar (orchestrator/pom.xml copies dist/).
// In `npm run dev`, API calls go to a running orchestrator on :1234.
export default defineConfig({
  plugins: [vue()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:1234',
      '/v1': 'http://127.0.0.1:1234',
      '/sdapi': 'http://127.0.0.1:1234',
      '/health': 'http://127.0.0.1:1234',
    },
  },
  test: { environment: 'jsdom', include: ['test/**/*.test.js'] },
})
