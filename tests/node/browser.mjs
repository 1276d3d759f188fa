// Debian's Chromium through playwright-core, set up as every page test
// needs it: headless, without the background networking this machine's
// closed network refuses, and with every request to a host other than the
// gateway's blocked and recorded (the page must need nothing from the
// internet).

import { chromium } from 'playwright-core';

const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `url` stays on this machine (data:, blob: and about: do). */
export const isLocal = (url) => {
  const u = new URL(url);
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(u.protocol)) return true;
  return LOCAL_HOSTS.has(u.hostname);
};

/**
 * Launches Chromium (CHROMIUM overrides /usr/bin/chromium) and opens a page
 * whose requests are pushed to `requests`, whose off-host requests are
 * blocked and pushed to `offHost`, and whose uncaught errors are pushed to
 * `pageErrors`. Returns { browser, page }.
 */
export async function launchPage({ requests, offHost, pageErrors }) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
    timeout: 15000,
  });
  const page = await browser.newPage();
  page.setDefaultTimeout(5000);
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (isLocal(url)) return route.continue();
    offHost.push(url);
    return route.abort('blockedbyclient');
  });
  page.on('request', (req) => requests.push(req.url()));
  page.on('websocket', (ws) => {
    requests.push(ws.url());
    if (!isLocal(ws.url())) offHost.push(ws.url());
  });
  page.on('pageerror', (err) => pageErrors.push(`${err.name}: ${err.message}`));
  return { browser, page };
}
