// bdlc-path: the BasicModeTests target had no sources when bdlc-path merged the BasicMode
// API commit; this keeps the package building. Delete it once bdlc-core's tests are merged.
