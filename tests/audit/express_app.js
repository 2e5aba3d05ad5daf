// Express with the npm cors package, configured by CORS_CONFIG (see servers.py).
const express = require("express");
const cors = require("cors");

const configs = {
  // Reflect any origin, with credentials: what the cors README's "origin: true" does.
  "reflect": { origin: true, credentials: true },
  // An unanchored regex: matches the trusted host anywhere in the Origin.
  "unanchored-regex": { origin: /app\.example\.com/, credentials: true },
  // Right: exact origins, credentials, a fixed list of request headers.
  "allowlist": {
    origin: ["https://app.example.com"], credentials: true, allowedHeaders: ["content-type"],
  },
};

const options = configs[process.env.CORS_CONFIG];
if (!options) {
  throw new Error(`unknown CORS_CONFIG ${process.env.CORS_CONFIG}`);
}
const app = express();
app.use(cors(options));
app.get("/data", (req, res) => res.type("text/plain").send("data\n"));
app.listen(Number(process.env.PORT), "127.0.0.1");
