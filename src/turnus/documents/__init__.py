"""Document adapters: invoice PDFs (WeasyPrint), e-invoices (ZUGFeRD/Factur-X, XRechnung),
the document archive and mail delivery."""
