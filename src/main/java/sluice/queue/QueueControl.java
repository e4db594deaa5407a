package sluice.queue;

import sluice.spool.SpoolException;

/** Operator actions on queued messages: by the running scheduler, or directly on a spool without one. */
public interface QueueControl {
    QueueOpResult hold(String id) throws SpoolException;

    QueueOpResult release(String id) throws SpoolException;

    QueueOpResult retry(String id) throws SpoolException;

    QueueOpResult delete(String id) throws SpoolException;

    QueueOpResult bounce(String id) throws SpoolException;
}
