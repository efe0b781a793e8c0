// The build script `npm run build` runs: writes dist/built.txt with a development dependency.
"use strict";

const fs = require("fs");
const ms = require("ms");

fs.mkdirSync("dist", { recursive: true });
fs.writeFileSync("dist/built.txt", `built with ms: ${ms(90000)}\n`);
