import { renderGraphiQL } from '@graphql-yoga/render-graphiql';

let page: string | undefined;

/**
 * The GraphiQL page for browsers. @graphql-yoga/render-graphiql 5.x inlines its script, styles,
 * editor workers and favicon (about 9 MB), so the page needs no CDN. It is rendered once and cached.
 */
export function playgroundHtml(endpoint = '/graphql'): string {
  page ??= renderGraphiQL({ endpoint, title: 'facematch GraphiQL' });
  return page;
}
