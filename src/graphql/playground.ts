import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

let page: string | undefined;

/**
 * Returns the GraphiQL page for browsers, rendered once and cached. @graphql-yoga/render-graphiql 5.24
 * inlines its script, styles, editor workers and favicon (about 9 MB), so the page loads nothing from a CDN.
 */
export function playgroundHtml(endpoint = '/graphql'): string {
  page ??= renderGraphiQL({ endpoint, title: 'facematch GraphiQL' });
  return page;
}
