package io.tuns.alertbot.mail;

/** One mail class's share of the outbox: at most {@code maxQueued} waiting files, sends limited by {@code limiter}. */
public record MailBudget(int maxQueued, RateLimiter limiter) {}
