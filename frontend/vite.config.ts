/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { precompileLocales } from './build/precompileLocales.ts'
import { compressAssets } from './build/compressAssets.ts'
import { preloadApp } from './build/preloadApp.ts'

// The Go server (default 127.0.0.1:8080) serves /api; the dev server proxies to it.
const apiTarget = process.env.KAIKU_API ?? 'http://127.0.0.1:8080'

export default defineConfig(({ command }) => {
  // The production build ships vue-i18n without its message compiler: the catalogues are
  // compiled at build time (build/precompileLocales.ts). The dev server and unit tests compile
  // the plain messages at run time.
  const build = command === 'build'
  return {
    plugins: [vue(), precompileLocales(), preloadApp(), compressAssets()],
    define: {
      // The build also leaves out what the app never uses: vue-i18n's <i18n-t> components and
      // v-t directive, and Vue's Options API (every component is <script setup>).
      __VUE_I18N_FULL_INSTALL__: !build,
      __VUE_I18N_LEGACY_API__: false,
      __INTLIFY_PROD_DEVTOOLS__: false,
      __INTLIFY_DROP_MESSAGE_COMPILER__: build,
      __VUE_OPTIONS_API__: !build,
    },
    resolve: {
      alias: build ? [{ find: /^vue-i18n$/, replacement: 'vue-i18n/dist/vue-i18n.runtime.esm-bundler.js' }] : [],
    },
    server: {
      proxy: {
        '/api': { target: apiTarget, changeOrigin: false },
        '/healthz': apiTarget,
        '/readyz': apiTarget,
      },
    },
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      assetsDir: 'assets',
      target: 'es2022',
      rolldownOptions: {
        output: {
          // Fewer, larger shared chunks: each request costs a phone a round trip's share and
          // about 500 bytes of headers. The framework is one chunk; the app's own modules
          // that every page loads (API client, session, router, i18n) are another.
          codeSplitting: {
            groups: [
              // Reports (issue 16): the chart library is the Reports page's own lazy chunk.
              { name: 'charts', test: /[\\/]node_modules[\\/](chart\.js|@kurkle)[\\/]/, priority: 3 },
              { name: 'framework', test: /[\\/]node_modules[\\/]/, priority: 2 },
              { name: 'base', test: /[\\/]src[\\/](api|session|router|i18n|errors)\.ts$/, priority: 1, includeDependenciesRecursively: false },
            ],
          },
        },
      },
    },
    test: {
      environment: 'jsdom',
      include: ['tests/**/*.test.ts'],
      setupFiles: ['tests/setup.ts'],
      restoreMocks: true,
      unstubGlobals: true,
    },
  }
})
