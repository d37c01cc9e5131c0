"""OAI-PMH 2.0: the catalogue as a harvestable repository (``oai_dc`` and ``marc21``)."""
