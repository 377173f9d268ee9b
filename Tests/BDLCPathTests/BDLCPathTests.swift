// The BDLC path tests; see the other files.
