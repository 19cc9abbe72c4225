import * as fs from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Where Debian's `chromium` package (installed by .ci/run) puts the browser. */
const CANDIDATE_PATHS = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * The Chromium executable for browser tests: $CHROMIUM_PATH, else the first installed candidate.
 * Returns undefined when none is installed; in CI (CI=true) that is an error, so a missing
 * install step fails the run instead of silently skipping the browser tests.
 */
export function findChromium(): string | undefined {
  const candidates = process.env['CHROMIUM_PATH'] ? [process.env['CHROMIUM_PATH']] : CANDIDATE_PATHS;
  const found = candidates.find((candidate) => fs.existsSync(candidate));
  if (!found && process.env['CI'] === 'true') {
    throw new Error(`No Chromium at ${candidates.join(', ')}: install it with "apt-get install -y chromium" or set CHROMIUM_PATH.`);
  }
  return found;
}

/** Launches headless Chromium from `executablePath` (no browser download; the sandbox is off because CI runs as root). */
export async function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu'] });
}
