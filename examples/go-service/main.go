// A small HTTP service (Go standard library only) on $APP_PORT: `/` answers the greeting from
// $APP_GREETING, `/health` "ok", `/time` the time zone in effect ($TZ) and its offset, `/certs`
// whether CA certificates were found. `-health` checks a running server (the image's
// HEALTHCHECK: scratch has no curl).
package main

import (
	"crypto/x509"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"time"
)

func greeting() string {
	if g := os.Getenv("APP_GREETING"); g != "" {
		return g
	}
	return "Hello from go-service"
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintln(w, greeting())
	})
	mux.HandleFunc("/health", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	})
	mux.HandleFunc("/time", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, time.Now().Format("MST -0700"))
	})
	mux.HandleFunc("/certs", func(w http.ResponseWriter, r *http.Request) {
		pool, err := x509.SystemCertPool()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, len(pool.Subjects()) > 0)
	})
	return mux
}

func main() {
	health := flag.Bool("health", false, "check the running server and exit")
	flag.Parse()
	addr := ":" + os.Getenv("APP_PORT")
	if *health {
		response, err := http.Get("http://127.0.0.1" + addr + "/health")
		if err != nil || response.StatusCode != http.StatusOK {
			os.Exit(1)
		}
		return
	}
	log.Printf("listening on %s", addr)
	log.Fatal(http.ListenAndServe(addr, handler()))
}
