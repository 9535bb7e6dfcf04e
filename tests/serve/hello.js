// A JavaScript wasi:http/proxy handler (componentize-js, StarlingMonkey):
// answers "hello from js: PATH" as text/plain.
addEventListener("fetch", (event) =>
  event.respondWith(new Response("hello from js: " + new URL(event.request.url).pathname + "\n", {
    headers: { "content-type": "text/plain" },
  })));
