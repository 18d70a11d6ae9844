// crawler.go: the lecture's ConcurrentChannel crawler (MIT 6.824 lecture 2, crawler.go) with a
// real fetcher, as weft's benchmark peer: "the honest comparison of C against the language the
// lecture chose".
//
// Mapping to the lecture:
//
//	lecture                               here
//	-------------------------------------------------------------------------------------------
//	func worker(url, ch, fetcher)         worker(): fetch one URL, send its links on ch
//	func coordinator(ch, fetcher)         coordinator(): owns `fetched`, counts outstanding n
//	  n := 1; fetched := map[string]bool    same
//	  for urls := range ch { ... }          same: a goroutine per new URL, n -= 1 per message
//	  if n == 0 { break }                   same
//	ConcurrentChannel(url, fetcher)       main(): seeds ch with the start URL
//	Fetcher.Fetch(url) (body, urls, err)  fetch(): net/http GET + x/net/html tokenizer
//
// Additions a real web needs, kept small:
//   - bounded concurrency: a counting semaphore (buffered channel of size c) around the fetch,
//     so at most c requests are in flight (goroutines per URL, as in the lecture, are cheap);
//   - redirects are not followed by the client: a 3xx's Location is sent back as a link, like
//     weft does, carrying a hop count; a URL reached by 10 redirects is fetched but its own
//     redirect is not followed;
//   - links: a[href], area[href], iframe[src], frame[src], honouring <base href>; resolved with
//     net/url, fragment removed, kept only when http(s) on the start URL's host:port;
//   - only a 200 text/html body is parsed; everything else is read and discarded.
//
// Build offline with Debian's Go and golang-golang-x-net-dev:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o crawler crawler.go
//
// Usage: crawler [-c N] [-o FILE] URL   (prints "fetched N" on stderr; -o lists fetched URLs)
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"golang.org/x/net/html"
)

const maxHops = 10 // redirects followed from one link, like weft and the test server's policy

// link is one URL to crawl; hops counts the redirects that led to it.
type link struct {
	url  string
	hops int
}

var (
	client *http.Client
	sem    chan struct{} // at most c fetches in flight
	host   string        // scope: the start URL's host[:port]
)

// fetch GETs u and returns the links to follow: the page's links, or the redirect target.
func fetch(l link) []link {
	sem <- struct{}{}
	defer func() { <-sem }()
	resp, err := client.Get(l.url)
	if err != nil {
		return nil // a transport error: the lecture's "missing"
	}
	defer resp.Body.Close()
	base := resp.Request.URL
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		io.Copy(io.Discard, resp.Body)
		if loc := resp.Header.Get("Location"); loc != "" && l.hops < maxHops {
			if t := resolve(base, loc); t != "" {
				return []link{{t, l.hops + 1}}
			}
		}
		return nil
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if resp.StatusCode != 200 || mt != "text/html" {
		io.Copy(io.Discard, resp.Body)
		return nil
	}
	var out []link
	seenBase := false
	z := html.NewTokenizer(resp.Body)
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break // io.EOF or a read error: keep what was found
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		want := ""
		switch string(name) {
		case "a", "area", "base":
			want = "href"
		case "iframe", "frame":
			want = "src"
		default:
			continue
		}
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			if string(k) != want {
				continue
			}
			val := strings.TrimSpace(string(v))
			if string(name) == "base" {
				if !seenBase { // the first <base href> sets the document's base URL
					seenBase = true
					if b, err := base.Parse(val); err == nil {
						base = b
					}
				}
			} else if t := resolve(base, val); t != "" {
				out = append(out, link{t, 0})
			}
			break
		}
	}
	io.Copy(io.Discard, resp.Body)
	return out
}

// resolve returns ref resolved against base without its fragment, or "" when out of scope.
func resolve(base *url.URL, ref string) string {
	u, err := base.Parse(ref)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host != host {
		return ""
	}
	u.Fragment, u.RawFragment = "", ""
	return u.String()
}

// worker is the lecture's worker: fetch, then send the links (maybe none) to the coordinator.
func worker(l link, ch chan []link) {
	ch <- fetch(l)
}

// coordinator is the lecture's coordinator: the only goroutine that touches `fetched`.
func coordinator(ch chan []link) map[string]bool {
	n := 1
	fetched := make(map[string]bool)
	for links := range ch {
		for _, l := range links {
			if !fetched[l.url] {
				fetched[l.url] = true
				n += 1
				go worker(l, ch)
			}
		}
		n -= 1
		if n == 0 {
			break
		}
	}
	return fetched
}

func main() {
	c := flag.Int("c", 16, "maximum concurrent fetches")
	outFile := flag.String("o", "", "write the fetched URLs to FILE")
	flag.Parse()
	if flag.NArg() != 1 || *c < 1 {
		fmt.Fprintln(os.Stderr, "usage: crawler [-c N] [-o FILE] URL")
		os.Exit(2)
	}
	start, err := url.Parse(flag.Arg(0))
	if err != nil || start.Host == "" {
		fmt.Fprintln(os.Stderr, "crawler: bad URL:", flag.Arg(0))
		os.Exit(2)
	}
	host = start.Host
	start.Fragment = ""
	sem = make(chan struct{}, *c)
	client = &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        *c,
			MaxIdleConnsPerHost: *c, // keep-alive: one idle connection per possible fetch
			IdleConnTimeout:     90 * time.Second,
		},
		Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse // 3xx handled in fetch, as a link
		},
	}
	// ConcurrentChannel: seed the channel from a goroutine, then coordinate.
	ch := make(chan []link)
	go func() { ch <- []link{{start.String(), 0}} }()
	fetched := coordinator(ch)
	fmt.Fprintf(os.Stderr, "fetched %d\n", len(fetched))
	if *outFile != "" {
		f, err := os.Create(*outFile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "crawler:", err)
			os.Exit(3)
		}
		w := bufio.NewWriter(f)
		for u := range fetched {
			fmt.Fprintln(w, u)
		}
		if w.Flush() != nil || f.Close() != nil {
			fmt.Fprintln(os.Stderr, "crawler: writing", *outFile, "failed")
			os.Exit(3)
		}
	}
}
