// The GnuTLS side of HttpServer's HTTPS (http_server.cc only): libmicrohttpd
// creates each connection's GnuTLS session before its "started"
// notification, where the client certificate policy is set.
#pragma once

#include <microhttpd.h>

#include "core/http_server.h"
#include "core/status.h"

namespace vigia {

// An error unless libmicrohttpd was built with TLS and the options load
// (certificate and key match, the CA file and the priority string parse).
Status check_tls_options(const HttpTlsOptions& tls);

// Sets the client certificate request and verification of a new connection,
// as Go's tls.ClientAuthType: a required certificate that is missing or does
// not verify against client_ca_pem fails the handshake.
void tls_connection_started(MHD_Connection* c, HttpTlsOptions::ClientAuth auth);

// True once the connection's handshake completed.
bool tls_handshake_completed(MHD_Connection* c);

}  // namespace vigia
