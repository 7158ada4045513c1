#!/usr/bin/env node
// Entry point linked as `tide-kustomize-controller`; the controller is compiled to dist by `npm run build`.
import '../dist/src/main.js';
