import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

let page: string | undefined;
let compressed: { gzip: Buffer; etag: string } | undefined;

/**
 * Returns the GraphiQL page for browsers, rendered once and cached. @graphql-yoga/render-graphiql 5.24
 * inlines its script, styles, editor workers and favicon (about 9 MB), so the page loads nothing from a CDN.
 */
export function playgroundHtml(endpoint = '/graphql'): string {
  page ??= renderGraphiQL({ endpoint, title: 'facematch GraphiQL' });
  return page;
}

/**
 * Returns the page gzip-compressed with its entity tag, computed once: about 9 MB of inlined
 * assets shrink to a fraction, and browsers revalidate with If-None-Match instead of downloading again.
 */
export function compressedPlayground(endpoint = '/graphql'): { gzip: Buffer; etag: string } {
  if (compressed === undefined) {
    const html = playgroundHtml(endpoint);
    compressed = { gzip: gzipSync(html), etag: `"${createHash('sha256').update(html).digest('hex').slice(0, 32)}"` };
  }
  return compressed;
}
