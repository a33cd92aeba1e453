package clock

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var t0 = time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)

func TestAutoAdvancesOnWait(t *testing.T) {
	c := NewAuto(t0)
	require.NoError(t, c.Sleep(context.Background(), 3*time.Second))
	<-c.After(2 * time.Second)
	assert.Equal(t, t0.Add(5*time.Second), c.Now())
	assert.Equal(t, 5*time.Second, c.Slept())
}

func TestFakeWakesOnAdvance(t *testing.T) {
	c := NewFake(t0)
	ch := c.After(time.Second)
	select {
	case <-ch:
		t.Fatal("woke before the time moved")
	default:
	}
	assert.Equal(t, 1, c.Waiters())
	c.Advance(999 * time.Millisecond)
	select {
	case <-ch:
		t.Fatal("woke early")
	default:
	}
	c.Advance(time.Millisecond)
	assert.Equal(t, t0.Add(time.Second), <-ch)
	assert.Equal(t, 0, c.Waiters())
}

func TestSleepHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	assert.ErrorIs(t, NewFake(t0).Sleep(ctx, time.Hour), context.Canceled)
	assert.ErrorIs(t, Real{}.Sleep(ctx, time.Hour), context.Canceled)
	assert.NoError(t, Real{}.Sleep(context.Background(), time.Microsecond))
}
