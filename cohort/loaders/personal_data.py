"""Privacy at the door: refuse name- and address-like columns, and pseudonymise
identifiers with a keyed hash before anything is stored."""

from __future__ import annotations

import hashlib
import os
import re

import numpy as np
import pandas as pd

from cohort.loaders.text import as_text

__all__ = ["KEY_ENVIRONMENT_VARIABLE", "looks_personal", "pseudonymise", "resolve_key"]

#: Environment variable holding the pseudonymisation key when ``key=`` is not given.
KEY_ENVIRONMENT_VARIABLE = "COHORT_PSEUDONYMISATION_KEY"

# Column names that look like direct personal data (matched on the lower-case
# name with every run of non-alphanumerics turned into "_").
_PERSONAL = re.compile(
    r"""(^|_)(
        (fore|sur|first|last|given|family|middle|full|preferred|maiden)?_?names?
      | address(es)?|addr|street|house_?(name|number|no)|post_?code|postal_code|zip_?code
      | e_?mail(_?address)?|(tele)?phone(_?(no|number))?|mobile(_?(no|number))?|tel(_?no)?
      | nhs(_?(no|number))?|upn|pnc(_?(id|no|number))?|ni_?(no|number)
      | national_insurance(_?(no|number))?
      | dob|date_of_birth|birth_?date|birthday
    )($|_)""",
    re.VERBOSE,
)


def _normalise_name(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).lower()).strip("_")


def looks_personal(name: str) -> bool:
    """True when a column name looks like a name, address, contact detail or
    national identifier.

    Examples
    --------
    >>> looks_personal("Home Address"), looks_personal("Offence Date")
    (True, False)
    """
    return bool(_PERSONAL.search(_normalise_name(name)))


def resolve_key(key: str | bytes | None) -> bytes | None:
    """The pseudonymisation key: ``key``, else ``$COHORT_PSEUDONYMISATION_KEY``, else None."""
    if key is None:
        key = os.environ.get(KEY_ENVIRONMENT_VARIABLE) or None
    if key is None or key == "" or key == b"":
        return None
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


def pseudonymise(values: pd.Series, key: str | bytes, cache: dict[str, str] | None = None) -> pd.Series:
    """Replace identifiers by a keyed hash: HMAC-SHA256 of the text, first 16 hex digits.

    The same value and key always give the same pseudonym, so joins between
    tables survive, and so do quarterly refreshes made with the same key;
    without the key the pseudonyms cannot be recomputed from guessed
    identifiers. Missing values stay missing. Each distinct value is hashed
    once (a million rows with 100,000 children cost 100,000 hashes).

    Parameters
    ----------
    values : pandas.Series
        Identifiers (compared as text).
    key : str or bytes
        The secret key (keep it out of the repository and the store).
    cache : dict, optional
        Pseudonyms already computed with this key (value -> pseudonym), shared
        between the columns of one extract so that an identifier in several
        tables is hashed once; filled as values are hashed.

    Returns
    -------
    pandas.Series
        Pseudonyms, same index, string dtype.

    Examples
    --------
    >>> s = pd.Series(["YP0001", "YP0002", "YP0001"])
    >>> out = pseudonymise(s, "k1")
    >>> out[0] == out[2], out[0] == pseudonymise(s, "k2")[0], len(out[0])
    (True, False, 16)
    >>> pseudonymise(pd.Series(["YP0001", None]), key="demo-key").tolist()
    ['5761833b24c30e5a', nan]
    """
    hasher = _keyed_hasher(key.encode("utf-8") if isinstance(key, str) else bytes(key))
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    texts = [str(v) for v in np.asarray(uniques, dtype=object)]
    if cache is None:
        out = [hasher(t) for t in texts]
    else:
        out = [cache.get(t) for t in texts]
        todo = [i for i, h in enumerate(out) if h is None]
        for i in todo:
            out[i] = cache[texts[i]] = hasher(texts[i])
    hashed = np.array([*out, np.nan], dtype=object)
    # code -1 (missing) picks the trailing NaN
    return as_text(pd.Series(hashed[codes], index=values.index))


_IPAD = bytes(x ^ 0x36 for x in range(256))
_OPAD = bytes(x ^ 0x5C for x in range(256))


def _keyed_hasher(key: bytes):
    """``text -> hmac.new(key, text, sha256).hexdigest()[:16]``, with the keyed
    inner and outer states computed once (RFC 2104), about twice as fast."""
    if len(key) > 64:  # the SHA-256 block size
        key = hashlib.sha256(key).digest()
    key = key.ljust(64, b"\0")
    inner, outer = hashlib.sha256(key.translate(_IPAD)), hashlib.sha256(key.translate(_OPAD))

    def digest(text: str) -> str:
        i = inner.copy()
        i.update(text.encode("utf-8"))
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()[:16]

    return digest
