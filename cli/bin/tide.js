#!/usr/bin/env node
// Entry point linked as `tide`; the program itself is compiled to dist by `npm run build`.
import '../dist/src/main.js';
