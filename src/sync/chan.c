/*
 * chan.c -- Go channels: a ring buffer under one mutex with two condition variables.
 *
 * Unbuffered channels use a one-slot ring plus a rendezvous: each send takes a ticket and
 * returns only after the receive count has passed it, so a send completes only when a receiver
 * has the value, as in Go.
 *
 * Locking: every field below `mu` is guarded by mu.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <weft.h>

#include "sync/sync.h"

struct weft__chan {
	atomic_uint ref;          /* references; the last free destroys */
	pthread_mutex_t mu;
	pthread_cond_t can_send;  /* signalled (one waiter) when a slot frees; broadcast on close */
	pthread_cond_t taken;     /* unbuffered: a value was taken (its sender may return) */
	pthread_cond_t can_recv;  /* signalled when a value arrives or the channel closes */
	size_t elem_size;
	size_t cap;               /* ring slots: max(requested capacity, 1) */
	bool unbuffered;
	bool closed;
	size_t head;              /* next slot to receive from */
	size_t len;               /* values in the ring */
	unsigned long long sent;  /* values put in the ring, ever */
	unsigned long long recvd; /* values taken out, ever */
	unsigned char *ring;
};

int weft__chan_new(struct weft__chan **out, size_t elem_size, size_t cap)
{
	*out = NULL;
	if (elem_size == 0)
		return WEFT_E_INVAL;
	struct weft__chan *ch = calloc(1, sizeof(*ch));
	if (!ch)
		return WEFT_E_NOMEM;
	atomic_init(&ch->ref, 1);
	ch->unbuffered = cap == 0;
	ch->cap = cap ? cap : 1;
	ch->elem_size = elem_size;
	if (ch->cap > SIZE_MAX / elem_size || !(ch->ring = malloc(ch->cap * elem_size))) {
		free(ch);
		return WEFT_E_NOMEM;
	}
	pthread_mutex_init(&ch->mu, NULL);
	pthread_cond_init(&ch->can_send, NULL);
	pthread_cond_init(&ch->taken, NULL);
	pthread_cond_init(&ch->can_recv, NULL);
	*out = ch;
	return WEFT_OK;
}

int weft__chan_send(struct weft__chan *ch, const void *elem)
{
	pthread_mutex_lock(&ch->mu);
	while (!ch->closed && ch->len == ch->cap)
		pthread_cond_wait(&ch->can_send, &ch->mu);
	if (ch->closed) {
		pthread_mutex_unlock(&ch->mu);
		return WEFT_E_INVAL;
	}
	size_t tail = (ch->head + ch->len) % ch->cap;
	memcpy(ch->ring + tail * ch->elem_size, elem, ch->elem_size);
	ch->len++;
	unsigned long long ticket = ++ch->sent;
	pthread_cond_signal(&ch->can_recv);
	/* Unbuffered: wait for a receiver to take our value (or for close to drop it). */
	while (ch->unbuffered && ch->recvd < ticket && !ch->closed)
		pthread_cond_wait(&ch->taken, &ch->mu);
	pthread_mutex_unlock(&ch->mu);
	return WEFT_OK;
}

bool weft__chan_recv(struct weft__chan *ch, void *out)
{
	pthread_mutex_lock(&ch->mu);
	while (ch->len == 0 && !ch->closed)
		pthread_cond_wait(&ch->can_recv, &ch->mu);
	if (ch->len == 0) {
		pthread_mutex_unlock(&ch->mu);
		return false;
	}
	memcpy(out, ch->ring + ch->head * ch->elem_size, ch->elem_size);
	ch->head = (ch->head + 1) % ch->cap;
	ch->len--;
	ch->recvd++;
	/*
	 * One slot freed: wake one sender waiting for room (a broadcast would wake a thousand
	 * waiting workers per value), and, if unbuffered, the sender waiting for its hand-off.
	 */
	pthread_cond_signal(&ch->can_send);
	if (ch->unbuffered)
		pthread_cond_broadcast(&ch->taken);
	pthread_mutex_unlock(&ch->mu);
	return true;
}

void weft__chan_close(struct weft__chan *ch)
{
	pthread_mutex_lock(&ch->mu);
	ch->closed = true;
	pthread_cond_broadcast(&ch->can_recv);
	pthread_cond_broadcast(&ch->can_send);
	pthread_cond_broadcast(&ch->taken);
	pthread_mutex_unlock(&ch->mu);
}

size_t weft__chan_len(struct weft__chan *ch)
{
	pthread_mutex_lock(&ch->mu);
	size_t n = ch->len;
	pthread_mutex_unlock(&ch->mu);
	return n;
}

struct weft__chan *weft__chan_ref(struct weft__chan *ch)
{
	atomic_fetch_add(&ch->ref, 1);
	return ch;
}

void weft__chan_free(struct weft__chan **chp)
{
	struct weft__chan *ch = chp ? *chp : NULL;
	if (!ch)
		return;
	*chp = NULL;
	if (atomic_fetch_sub(&ch->ref, 1) != 1)
		return;
	pthread_cond_destroy(&ch->can_send);
	pthread_cond_destroy(&ch->taken);
	pthread_cond_destroy(&ch->can_recv);
	pthread_mutex_destroy(&ch->mu);
	free(ch->ring);
	free(ch);
}
