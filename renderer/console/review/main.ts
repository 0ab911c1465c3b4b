import { createPinia } from 'pinia';
import { createApp } from 'vue';
import App from './App.vue';
import { i18n } from './i18n/index.js';
import '../shared/base.css';
import './styles/page.css';
import './styles/session.css';
import './styles/charts.css';
import './styles/supervision.css';

createApp(App).use(createPinia()).use(i18n).mount('#app');
