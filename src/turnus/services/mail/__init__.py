"""Mail: the transactional outbox, the mail texts, the hooks that enqueue them and the SMTP
sender."""
