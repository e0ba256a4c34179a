{
  # Built by scripts/build.mjs (node-gyp bundled with npm, --nodedir = the running Node's prefix, offline).
  # OpenSSL is NOT linked: its symbols are resolved at load time from the Node binary that loads the
  # addon (Node exports them). -z now makes a load into a process without them (Electron's BoringSSL)
  # fail at dlopen, so the caller falls back to the JavaScript kernel instead of failing at a call.
  "targets": [
    {
      "target_name": "gcm_batch",
      "sources": ["gcm_batch.c", "gcm_one.c", "envelope_scan.c", "envelope_batch.c", "base64.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "ldflags": ["-Wl,-z,now"],
      "xcode_settings": { "OTHER_LDFLAGS": ["-undefined", "dynamic_lookup"] }
    }
  ]
}
