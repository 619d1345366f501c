package drill

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// world is a global endpoint in front of two regions: the old one goes down
// when the failover starts; the new one answers reads after readAfter and
// takes writes after writeAfter (its database promoted).
type world struct {
	mu                    sync.Mutex
	start                 time.Time
	failedOver            bool
	readAfter, writeAfter time.Duration
	neverRecovers         bool
}

func (w *world) fail() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.start, w.failedOver = time.Now(), true
}

func (w *world) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.failedOver {
		rw.Header().Set(RegionHeader, "us-west-2")
		return
	}
	since := time.Since(w.start)
	switch {
	case w.neverRecovers || since < w.readAfter:
		rw.WriteHeader(http.StatusServiceUnavailable) // DNS still points at the lost region
	case r.Method == http.MethodPost && since < w.writeAfter:
		rw.Header().Set(RegionHeader, "us-east-1")
		rw.WriteHeader(http.StatusInternalServerError) // read-only until promoted
	default:
		rw.Header().Set(RegionHeader, "us-east-1")
	}
}

func TestAFailoverIsMeasuredUntilTheNewRegionReadsAndWrites(t *testing.T) {
	t.Parallel()
	w := &world{readAfter: 150 * time.Millisecond, writeAfter: 400 * time.Millisecond}
	srv := httptest.NewServer(w)
	defer srv.Close()
	start := time.Now()
	w.fail()
	r, err := Measure(context.Background(), start, Config{ReadURL: srv.URL, WriteURL: srv.URL + "/v1/drill", Region: "us-east-1", Interval: 20 * time.Millisecond, Timeout: 5 * time.Second})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, r.ReadSeconds, 0.15)
	assert.GreaterOrEqual(t, r.WriteSeconds, 0.4, "the write waits for the promotion")
	assert.Less(t, r.WriteSeconds, 1.0)
	assert.Equal(t, r.WriteSeconds, r.MeasuredSeconds)
	assert.Greater(t, r.Attempts, 5)
}

func TestTheOldRegionAnsweringDoesNotCount(t *testing.T) {
	t.Parallel()
	w := &world{} // never fails over: us-west-2 keeps answering 200
	srv := httptest.NewServer(w)
	defer srv.Close()
	// A second: the first answer must come back before the deadline even on
	// a loaded machine (it failed at 200 ms under a parallel build).
	r, err := Measure(context.Background(), time.Now(), Config{ReadURL: srv.URL, Region: "us-east-1", Interval: 10 * time.Millisecond, Timeout: time.Second})
	require.ErrorIs(t, err, ErrTimeout)
	assert.Contains(t, r.Last, `answered by "us-west-2", not us-east-1`)
}

func TestTheAttemptTheDeadlineCutsOffDoesNotHideTheLastAnswer(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	answered := 0
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		mu.Lock()
		answered++
		first := answered == 1
		mu.Unlock()
		if !first {
			<-r.Context().Done() // in flight when the drill's deadline passes
			return
		}
		rw.Header().Set(RegionHeader, "us-west-2")
	}))
	defer srv.Close()
	r, err := Measure(context.Background(), time.Now(), Config{ReadURL: srv.URL, Region: "us-east-1", Interval: 10 * time.Millisecond, Timeout: time.Second})
	require.ErrorIs(t, err, ErrTimeout)
	assert.Equal(t, 2, r.Attempts)
	assert.Contains(t, r.Last, `answered by "us-west-2", not us-east-1`)
	assert.Contains(t, err.Error(), `answered by "us-west-2"`)
}

func TestARegionThatNeverComesBackTimesOut(t *testing.T) {
	t.Parallel()
	w := &world{neverRecovers: true}
	srv := httptest.NewServer(w)
	defer srv.Close()
	w.fail()
	_, err := Measure(context.Background(), time.Now(), Config{ReadURL: srv.URL, Region: "us-east-1", Interval: 10 * time.Millisecond, Timeout: time.Second})
	require.True(t, errors.Is(err, ErrTimeout), err)
	assert.Contains(t, err.Error(), "read: GET 503")
}

func TestAServerThatIsGoneAndComesBackIsMeasured(t *testing.T) {
	t.Parallel()
	// The endpoint's listener itself is closed (connection refused), then
	// a new one takes its address.
	l := httptest.NewUnstartedServer(nil).Listener
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	start := time.Now()
	go func() {
		time.Sleep(200 * time.Millisecond)
		srv := &http.Server{Addr: addr, Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { rw.Header().Set(RegionHeader, "EU-WEST-1") })}
		_ = srv.ListenAndServe()
	}()
	r, err := Measure(context.Background(), start, Config{ReadURL: "http://" + addr, Region: "eu-west-1", Interval: 20 * time.Millisecond, Timeout: 5 * time.Second})
	require.NoError(t, err)
	assert.GreaterOrEqual(t, r.MeasuredSeconds, 0.2)
}

func TestTheVerdictFailsPastTheObjective(t *testing.T) {
	t.Parallel()
	assert.True(t, Judge(Result{MeasuredSeconds: 240}, 375, 600).WithinObjective)
	v := Judge(Result{MeasuredSeconds: 601}, 375, 600)
	assert.False(t, v.WithinObjective)
	assert.Equal(t, "| staging | us-east-1 | 601 s measured | 375 s computed | **exceeds** the 600 s objective |\n", v.Markdown("staging", "us-east-1"))
	_, err := Measure(context.Background(), time.Now(), Config{})
	assert.Error(t, err)
}

func TestTheDrillSendsTheAppHeadersAStackRequires(t *testing.T) {
	t.Parallel()
	// A WAF that refuses requests without the app's headers (appHeadersRequired).
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-App-Platform") == "" || r.Header.Get("X-App-Version") == "" {
			rw.WriteHeader(http.StatusBadRequest)
			return
		}
		rw.Header().Set(RegionHeader, "us-east-1")
	}))
	defer srv.Close()
	c := Config{ReadURL: srv.URL, Region: "us-east-1", Interval: 10 * time.Millisecond, Timeout: time.Second}
	_, err := Measure(context.Background(), time.Now(), c)
	require.ErrorIs(t, err, ErrTimeout, "refused without them")
	c.RequestHeaders = http.Header{"X-App-Platform": {"drill"}, "X-App-Version": {"0.0.1"}}
	r, err := Measure(context.Background(), time.Now(), c)
	require.NoError(t, err)
	assert.Equal(t, 1, r.Attempts)
}
