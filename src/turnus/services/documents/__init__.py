"""Document services: the source data of issued documents, the archive, rendering on demand."""
