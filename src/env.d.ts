// Secrets are not in wrangler.toml, so `wrangler types` cannot see them: declared here, once.
declare namespace Cloudflare {
  interface Env {
    /** Bearer token for /v1/admin routes: `npx wrangler secret put ADMIN_TOKEN`. */
    ADMIN_TOKEN?: string;
    /** Key that signs webhook deliveries (`vane-signature`): `npx wrangler secret put WEBHOOK_SECRET`. */
    WEBHOOK_SECRET?: string;
    /** Key of the feedback tokens predict responses carry: `npx wrangler secret put FEEDBACK_SECRET`. */
    FEEDBACK_SECRET?: string;
  }
}

// The dashboard's static files, bundled as text modules (the Text rule in wrangler.toml).
declare module "*.html" {
  const text: string;
  export default text;
}
declare module "*.css" {
  const text: string;
  export default text;
}
declare module "*/dashboard/static/app.js" {
  const text: string;
  export default text;
}
declare module "*/dashboard/static/charts.js" {
  const text: string;
  export default text;
}
declare module "uplot/dist/uPlot.iife.min.js" {
  const text: string;
  export default text;
}
