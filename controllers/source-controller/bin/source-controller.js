#!/usr/bin/env node
// Entry point linked as `tide-source-controller`; the controller is compiled to dist by `npm run build`.
import '../dist/src/main.js';
