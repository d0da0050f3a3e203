import { createApp } from 'vue'
import { createPinia } from 'pinia'
import 'bootstrap/dist/css/bootstrap.min.css'
import './styles.css'
import { applyTheme, storedTheme } from './lib/theme.js'
import App from './App.vue'

applyTheme(storedTheme())
createApp(App).use(createPinia()).mount('#app')
