import '../../local/polyfills.js';
