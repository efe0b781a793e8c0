package main

import (
	"net/http/httptest"
	"testing"
)

func TestAnswers(t *testing.T) {
	t.Setenv("APP_GREETING", "Hi")
	for path, want := range map[string]string{"/": "Hi\n", "/health": "ok\n"} {
		recorder := httptest.NewRecorder()
		handler().ServeHTTP(recorder, httptest.NewRequest("GET", path, nil))
		if got := recorder.Body.String(); got != want {
			t.Errorf("GET %s: %q, want %q", path, got, want)
		}
	}
}
