import { describe, expect, it } from "vitest";
import { call, type ProblemBody } from "./request.js";

/** The page's own script and style sheet references, in document order. */
function referencedFiles(html: string): string[] {
  return [...html.matchAll(/(?:src|href)="\/dashboard\/([^"]+)"/g)].map((match) => match[1]);
}

describe("GET /dashboard", () => {
  it("serves the page under a policy that allows only its own scripts, styles and API", async () => {
    const response = await call("/dashboard");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(await response.text()).toContain("<title>vane dashboard</title>");
  });

  it("serves every file the page references, each with its media type", async () => {
    const html = await (await call("/dashboard")).text();
    const files = referencedFiles(html);
    expect(files).toEqual(["uplot.css", "dashboard.css", "uplot.js", "app.js"]);
    for (const file of files) {
      const response = await call(`/dashboard/${file}`);
      expect(response.status).toBe(200);
      const type = file.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8";
      expect(response.headers.get("content-type")).toBe(type);
      expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    }
  });

  it("serves uPlot's browser build from the Worker bundle, not a CDN", async () => {
    const script = await (await call("/dashboard/uplot.js")).text();
    expect(script.startsWith("/*! https://github.com/leeoniya/uPlot (v1.6.32) */")).toBe(true);
    expect(await (await call("/dashboard/charts.js")).text()).toContain("export function timeChart");
  });

  it.each(["missing.js", "constructor", "__proto__"])(
    "answers 404 naming %s, a file it does not have",
    async (file) => {
      const response = await call(`/dashboard/${file}`);
      expect(response.status).toBe(404);
      expect((await response.json<ProblemBody>()).detail).toBe(`the dashboard has no file ${file}`);
    },
  );
});
