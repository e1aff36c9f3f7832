package main

import (
	"context"
	"fmt"
	"io"

	"github.com/appcert/appcert/certify"
)

const caUsage = `Usage: appcert ca [--dir DIR]

Prints the path of appcert's CA certificate, creating the CA first if there
is none. appcert certify --tls serves HTTPS with a certificate this CA
issues; tell the app to trust the printed file before certifying it:
  Node    NODE_EXTRA_CA_CERTS=FILE
  Python  REQUESTS_CA_BUNDLE=FILE (requests) or SSL_CERT_FILE=FILE
  Go      SSL_CERT_FILE=FILE (Linux), or add it to the client's RootCAs
  Java    keytool -importcert -file FILE -keystore appcert.jks, then
          -Djavax.net.ssl.trustStore=appcert.jks
The CA lives in the user's config folder unless --dir names another; its
key never leaves it.
Exit codes: 0 printed, 2 the folder cannot be used or a usage error.
`

func runCA(_ context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlags("appcert ca", caUsage, stdout, stderr)
	dir := fs.String("dir", "", "the CA's `folder` (default: appcert/ca in the user's config folder)")
	pos, code, stop := fs.parse(args)
	if stop {
		return code
	}
	if len(pos) > 0 {
		return fs.usageErr("unexpected argument %q", pos[0])
	}
	authority, err := certify.LoadCA(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "appcert ca: %v\n", err)
		return exitSetup
	}
	fmt.Fprintln(stdout, authority.CertPath())
	return exitOK
}
