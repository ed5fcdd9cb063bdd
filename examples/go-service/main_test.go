package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHealthz(t *testing.T) {
	rec := httptest.NewRecorder()
	newMux(newStore()).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Fatalf("got %d %q", rec.Code, rec.Body.String())
	}
}

func TestCreateAndList(t *testing.T) {
	mux := newMux(newStore())
	rec := httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/orders", strings.NewReader(`{"item":"tea","qty":2}`)))
	if rec.Code != http.StatusCreated {
		t.Fatalf("create: %d %s", rec.Code, rec.Body.String())
	}
	rec = httptest.NewRecorder()
	mux.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/orders", nil))
	if !strings.Contains(rec.Body.String(), `"item":"tea"`) {
		t.Fatalf("list: %s", rec.Body.String())
	}
}

func TestImportUsesTempDir(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	rec := httptest.NewRecorder()
	body := `[{"item":"a","qty":1},{"item":"","qty":1},{"item":"b","qty":3}]`
	newMux(newStore()).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/orders/import", strings.NewReader(body)))
	if rec.Code != http.StatusCreated || strings.Count(rec.Body.String(), `"id"`) != 2 {
		t.Fatalf("import: %d %s", rec.Code, rec.Body.String())
	}
}

func TestImportFailsWithoutTempDir(t *testing.T) {
	t.Setenv("TMPDIR", "/nonexistent/orders/tmp")
	rec := httptest.NewRecorder()
	newMux(newStore()).ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/orders/import", strings.NewReader(`[]`)))
	if rec.Code != http.StatusInternalServerError {
		t.Fatalf("expected the PD009 failure, got %d", rec.Code)
	}
}
