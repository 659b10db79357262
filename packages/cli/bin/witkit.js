#!/usr/bin/env node
// Committed launcher, so package managers can link the `witkit` bin before `dist/` is built.
import '../dist/bin.js';
