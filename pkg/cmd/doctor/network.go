package doctor

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pamctl/pamctl/pkg/api"
	"github.com/pamctl/pamctl/pkg/cmdutil"
)

const (
	fixServer  = "pass --server https://<host>:6443/ztna/<tenant>/<site> (or set PAMCTL_SERVER, or run `pamctl auth login`)"
	expiryWarn = 30 * 24 * time.Hour
)

// basePath is the documented shape of the API base's path.
var basePath = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/ztna/([^/]+)/([^/]+)$`) })

func (d *doctor) checkURL() *url.URL {
	const name = "server URL"
	if d.s.Server == "" {
		d.fail(name, "no server configured", fixServer)
		return nil
	}
	u, err := api.ParseServerURL(d.s.Server)
	if err != nil {
		d.fail(name, err.Error(), fixServer)
		return nil
	}
	d.report.Server = u.String()
	plain := ""
	if u.Scheme == "http" {
		plain = "; plain http:// (allowed for loopback only: a simulator)"
	}
	m := basePath().FindStringSubmatch(u.Path)
	if m == nil {
		d.warn(name, fmt.Sprintf("%s: the path %q is not /ztna/<tenant>/<site>, the documented shape of the API base", u.String(), u.Path),
			"check the URL with your 12Port administrator; the API base is https://<host>:6443/ztna/<tenant>/<site>")
		return u
	}
	d.ok(name, fmt.Sprintf("%s: tenant %s, site %s%s", u.String(), m[1], m[2], plain))
	return u
}

func (d *doctor) checkDNS(ctx context.Context, u *url.URL) bool {
	const name = "DNS"
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		d.ok(name, host+" is an IP address: nothing to resolve")
		return true
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	addrs, err := d.opts.Resolver.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		d.fail(name, fmt.Sprintf("cannot resolve %q: %v", host, err),
			"check the host name in the server URL, your DNS or /etc/hosts; the server may be reachable only over a VPN")
		return false
	}
	if len(addrs) > 4 {
		addrs = append(addrs[:4:4], "…")
	}
	d.ok(name, fmt.Sprintf("%s resolves to %s", host, strings.Join(addrs, ", ")))
	return true
}

// timeout bounds each network step, as --timeout bounds a request.
func (d *doctor) timeout() time.Duration {
	if d.s.Timeout > 0 {
		return d.s.Timeout
	}
	return api.DefaultTimeout
}

func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = map[string]string{"https": "443", "http": "80"}[u.Scheme]
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// checkTCP connects to the server's port, or to the proxy pamctl would go
// through, and returns the open connection for the TLS check.
func (d *doctor) checkTCP(ctx context.Context, u *url.URL) net.Conn {
	const name = "TCP"
	addr, via := hostPort(u), ""
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err == nil && p != nil {
		addr, via = hostPort(p), " (the proxy pamctl goes through, from HTTPS_PROXY/HTTP_PROXY)"
	}
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	conn, err := d.opts.Dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		why := err.Error()
		var op *net.OpError
		if errors.As(err, &op) && op.Err != nil {
			why = op.Err.Error()
		}
		fix := "check the port in the server URL (12Port listens on 6443 by default), that the server is up, and any firewall in between"
		if errors.Is(err, context.DeadlineExceeded) {
			fix = "no answer within " + d.timeout().String() + ": a firewall may drop the packets; check the host and port, or raise --timeout"
		}
		d.fail(name, fmt.Sprintf("cannot connect to %s%s: %s", addr, via, why), fix)
		return nil
	}
	d.ok(name, "connected to "+addr+via)
	return conn
}

func (d *doctor) newClient() bool {
	c, err := d.opts.APIClient()
	var ae *cmdutil.AuthError
	if errors.As(err, &ae) && d.s.Token == "" {
		// No token: check what can be checked without one.
		c, err = d.opts.NewClient(d.s, "")
	}
	var oe *api.OverlayError
	if errors.As(err, &oe) {
		d.refused = err // exit 2, as every command refuses it
		return false
	}
	if err != nil {
		d.fail("settings", err.Error(), "correct the setting the message names (--ca-file, --timeout, the profile)")
		return false
	}
	d.client = c
	if digest := c.ContractDigest(); digest != "" {
		d.ok("contract overlay", fmt.Sprintf("%s, from %s: every probe below goes through it", digest, d.s.ContractSource))
	}
	return true
}

// checkTLS verifies the server's certificate the way the client does
// (system roots plus --ca-file), over conn, which it closes. For an
// http:// URL it makes sure the port does not speak TLS.
func (d *doctor) checkTLS(ctx context.Context, u *url.URL, conn net.Conn) bool {
	const name = "TLS"
	defer conn.Close()
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err == nil && p != nil {
		d.warn(name, "not checked directly: pamctl reaches the server through the proxy "+p.Host, "if the token check below fails with a TLS error, check the proxy's TLS interception and --ca-file")
		return true
	}
	addr := hostPort(u)
	ctx, cancel := context.WithTimeout(ctx, d.timeout())
	defer cancel()
	if u.Scheme == "http" {
		// Does the plain port answer a TLS hello? The certificate is not
		// judged (nothing is sent over it); only the protocol is.
		probe := tls.Client(conn, &tls.Config{ServerName: u.Hostname(), InsecureSkipVerify: true, MinVersion: tls.VersionTLS12}) //nolint:gosec // protocol detection only; nothing is sent over this connection
		if err := probe.HandshakeContext(ctx); err == nil {
			d.fail(name, fmt.Sprintf("http:// to a TLS port: %s speaks TLS, but the URL says http://", addr),
				"use https:// in the server URL (with --ca-file if the server's CA is private)")
			return false
		}
		d.ok(name, "none: plain HTTP to a loopback address (a simulator)")
		return true
	}
	cfg := d.client.TLSConfig()
	if cfg == nil {
		cfg = &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: d.s.Insecure} //nolint:gosec // the operator's --insecure-skip-tls-verify, reported as a warning
	}
	cfg.ServerName = u.Hostname()
	cfg.Time = d.opts.Clock.Now
	tc := tls.Client(conn, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		d.tlsFailure(name, addr, u.Hostname(), err)
		return false
	}
	st := tc.ConnectionState()
	if len(st.PeerCertificates) == 0 {
		d.fail(name, "the server sent no certificate", "check the server's TLS configuration")
		return false
	}
	leaf := st.PeerCertificates[0]
	chain := st.PeerCertificates
	if len(st.VerifiedChains) > 0 {
		chain = st.VerifiedChains[0]
	}
	first := leaf
	for _, c := range chain {
		if c.NotAfter.Before(first.NotAfter) {
			first = c
		}
	}
	now := d.opts.Clock.Now()
	cert := fmt.Sprintf("%s; certificate for %s issued by %q", tls.VersionName(st.Version), certNames(leaf), leaf.Issuer.CommonName)
	until := leaf.NotAfter.UTC().Format("2006-01-02")
	detail := cert + ", valid until " + until
	left := first.NotAfter.Sub(now)
	switch {
	case d.s.Insecure:
		d.warn(name, detail+"; NOT verified (--insecure-skip-tls-verify): the connection can be intercepted",
			"pass the server's CA bundle with --ca-file instead of --insecure-skip-tls-verify")
	case left < expiryWarn:
		// Each date said once: the server's own, or the chain's first to expire.
		expiring := fmt.Sprintf("%s, expiring on %s, in %d days", cert, until, int(left.Hours()/24))
		if first != leaf {
			expiring = fmt.Sprintf("%s; the certificate %q in its chain expires on %s, in %d days", detail, first.Subject.CommonName, first.NotAfter.UTC().Format("2006-01-02"), int(left.Hours()/24))
		}
		d.warn(name, expiring, "ask your 12Port administrator to renew the certificate before it expires")
	default:
		d.ok(name, fmt.Sprintf("%s (%d days)", detail, int(left.Hours()/24)))
	}
	return true
}

func (d *doctor) tlsFailure(name, addr, host string, err error) {
	var rhe tls.RecordHeaderError
	var unknown x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var invalid x509.CertificateInvalidError
	switch {
	case errors.As(err, &rhe):
		what := "something that is not TLS"
		if bytes.HasPrefix(rhe.RecordHeader[:], []byte("HTTP/")) {
			what = "plain HTTP"
		}
		d.fail(name, fmt.Sprintf("https:// to a plain-HTTP port: %s answered the TLS handshake with %s", addr, what),
			"this port serves plain HTTP: use the server's HTTPS port (12Port: 6443), or http:// for a simulator on loopback")
	case errors.As(err, &unknown):
		issuer := ""
		if unknown.Cert != nil {
			issuer = fmt.Sprintf(" (issuer %q)", unknown.Cert.Issuer.CommonName)
		}
		d.fail(name, "the certificate of "+addr+" is signed by an unknown certificate authority"+issuer,
			"pass the CA bundle with --ca-file (or PAMCTL_CA_FILE); ask your 12Port administrator for it")
	case errors.As(err, &hostErr):
		names := ""
		if hostErr.Certificate != nil {
			names = certNames(hostErr.Certificate)
		}
		d.fail(name, fmt.Sprintf("the certificate is for %s, not %q", names, host),
			"use a host name the certificate names in the server URL")
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		d.fail(name, "the certificate is expired or not yet valid: "+invalid.Error(),
			"ask your 12Port administrator to renew it, and check this machine's clock")
	case errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET):
		d.fail(name, addr+" closed the connection during the TLS handshake",
			"check that this port serves HTTPS (12Port: 6443)")
	default:
		d.fail(name, "TLS handshake with "+addr+" failed: "+err.Error(), "check the port and the server's TLS configuration")
	}
}

func certNames(c *x509.Certificate) string {
	var ns []string
	ns = append(ns, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		ns = append(ns, ip.String())
	}
	if len(ns) == 0 {
		ns = append(ns, c.Subject.CommonName)
	}
	if len(ns) > 4 {
		ns = append(ns[:4:4], "…")
	}
	return strings.Join(ns, ", ")
}
