/**
 * The renderer page's own Content-Security-Policy (a <meta>, for pages served without the
 * header) must say what the header says, and the page must need nothing it forbids.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy } from '../../src/main/services/content-security-policy';

const html = readFileSync(join(import.meta.dirname, '../../src/renderer/index.html'), 'utf8');

const directives = (policy: string) =>
  Object.fromEntries(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...sources]) => [name, sources.sort()]),
  );

describe('renderer index.html', () => {
  it('carries the same policy as the header, less frame-ancestors (which a <meta> cannot set)', () => {
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html);
    expect(meta, 'index.html has a CSP <meta>').not.toBeNull();
    const { 'frame-ancestors': _, ...header } = directives(contentSecurityPolicy());
    expect(directives(meta![1])).toEqual(header);
  });

  it('has no inline script or style for the policy to block', () => {
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes, body] of scripts) {
      expect(attributes).toMatch(/\bsrc=/);
      expect(body.trim()).toBe('');
    }
    expect(html).not.toMatch(/<style\b|\sstyle=/);
  });
});
