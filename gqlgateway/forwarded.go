package gqlgateway

import (
	"net"
	"net/http"
	"strings"
)

// maxForwardedChain bounds the X-Forwarded-For chain passed on; a longer
// incoming chain is dropped and only the peer's address is sent.
const maxForwardedChain = 512

// forwardedChain is the X-Forwarded-For value the gateway sends to the
// token service on behalf of r: the chain r arrived with, if any, followed
// by the address of the gateway's own peer, as every proxy appends its
// peer. The token service reads it from the right and believes only the
// hops it trusts (TOKENSVC_TRUSTED_PROXIES), so a client cannot forge its
// address by sending the header itself.
func forwardedChain(r *http.Request) string {
	peer, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		peer = r.RemoteAddr
	}
	incoming := strings.Join(r.Header.Values("X-Forwarded-For"), ", ")
	if incoming == "" || len(incoming) > maxForwardedChain {
		return peer
	}
	return incoming + ", " + peer
}
