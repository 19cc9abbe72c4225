// Screenshot of a page written by `ganglion export`, after one press of its
// button, in headless Chromium (Debian's /usr/bin/chromium, or $CHROMIUM_PATH):
//   node docs/images/web-export-screenshot.js <export folder> <out.png>
// The folder is served by a minimal static server on 127.0.0.1 (a free port).
'use strict';
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const { chromium } = require('playwright-core');

const [root, out] = process.argv.slice(2).map((arg) => path.resolve(arg));
if (!root || !out) {
  console.error('usage: node docs/images/web-export-screenshot.js <export folder> <out.png>');
  process.exit(2);
}
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.json': 'application/json' };
const server = http.createServer((request, response) => {
  const relative = decodeURIComponent(new URL(request.url, 'http://localhost').pathname).replace(/^\/+/, '') || 'index.html';
  const file = path.resolve(root, relative);
  if (!file.startsWith(root + path.sep) || !fs.existsSync(file)) return void response.writeHead(404).end();
  response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(response);
});

server.listen(0, '127.0.0.1', async () => {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const page = await browser.newPage({ viewport: { width: 1060, height: 1100 } });
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForSelector('body[data-state="ready"]', { timeout: 60_000 });
    await page.click('#draw');
    await page.waitForSelector('body[data-draws="1"]', { timeout: 120_000 });
    console.log(`${await page.textContent('#about')} ${await page.textContent('#status')}`);
    await page.screenshot({ path: out, fullPage: true });
  } finally {
    await browser.close();
    server.close();
  }
});
