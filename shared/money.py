"""Money as the API speaks it: `{"amount": "1234.50", "currency": "EUR"}`, never a float.

Amounts are `Decimal`s held to their currency's minor unit (ISO 4217: 2 for EUR, 0 for
JPY, 3 for KWD); databases store them as `NUMERIC(19, 4)`. Finance will use the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from shared.errors import ValidationFailed

MINOR_UNITS_EXCEPTIONS = {
    # ISO 4217 currencies whose minor unit is not 2 digits.
    "BHD": 3, "BIF": 0, "CLF": 4, "CLP": 0, "DJF": 0, "GNF": 0, "IQD": 3, "ISK": 0,
    "JOD": 3, "JPY": 0, "KMF": 0, "KRW": 0, "KWD": 3, "LYD": 3, "OMR": 3, "PYG": 0,
    "RWF": 0, "TND": 3, "UGX": 0, "UYI": 0, "UYW": 4, "VND": 0, "VUV": 0, "XAF": 0,
    "XOF": 0, "XPF": 0,
}
_ISO_4217 = """
AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
BTN BWP BYN BZD CAD CDF CHF CLF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB
EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD
JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK
MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN
PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB
TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYI UYU UYW UZS VES VND VUV WST XAF XCD XOF
XPF YER ZAR ZMW ZWG"""
CURRENCIES = frozenset(_ISO_4217.split())
NO_CURRENCY = "XXX"
"""ISO 4217's code for "no currency" (like its X* metals and test codes, left out of
CURRENCIES): well-formed, yet no amount of money is in it, so it is refused."""
MAX_AMOUNT = Decimal("999999999999999")
"""Fits NUMERIC(19, 4) with room; larger is a typo, not a deal."""


def minor_units(currency: str) -> int:
    return MINOR_UNITS_EXCEPTIONS.get(currency, 2)


def check_currency(value: Any, field: str = "currency") -> str:
    """An upper-case ISO 4217 code, or a ValidationFailed naming `field`."""
    if not isinstance(value, str) or value.strip().upper() not in CURRENCIES:
        raise ValidationFailed(
            "Invalid currency.", {field: ["Must be an ISO 4217 currency code, e.g. EUR."]}
        )
    return value.strip().upper()


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    @classmethod
    def parse(cls, value: Any, field: str = "amount", *, allow_negative: bool = False) -> Money:
        """From the wire shape; the amount must be a decimal string (or an int), not a float,
        with no more decimals than the currency has."""
        if not isinstance(value, dict) or set(value) != {"amount", "currency"}:
            raise ValidationFailed(
                "Invalid money.", {field: ['Must be {"amount": "<decimal>", "currency": "<ISO>"}.']}
            )
        currency = check_currency(value["currency"], f"{field}.currency")
        return cls(parse_amount(value["amount"], currency, field, allow_negative), currency)

    def to_wire(self) -> dict[str, str]:
        return {"amount": format_amount(self.amount, self.currency), "currency": self.currency}


def parse_amount(raw: Any, currency: str, field: str = "amount",
                 allow_negative: bool = False) -> Decimal:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed("Invalid amount.", {f"{field}.amount": [message]})

    if isinstance(raw, bool) or not isinstance(raw, str | int):
        raise refuse('Must be a decimal string such as "1234.50" (never a float).')
    try:
        amount = Decimal(str(raw).strip())
    except InvalidOperation:
        raise refuse('Must be a decimal string such as "1234.50".') from None
    if not amount.is_finite():
        raise refuse("Must be a finite number.")
    if amount < 0 and not allow_negative:
        raise refuse("Must not be negative.")
    if abs(amount) > MAX_AMOUNT:
        raise refuse(f"Must be at most {MAX_AMOUNT}.")
    places = minor_units(currency)
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > places:
        raise refuse(f"{currency} has {places} decimal places at most.")
    return amount


def format_amount(amount: Decimal, currency: str) -> str:
    """The amount with exactly its currency's decimals: Decimal("12.5"), EUR -> "12.50"."""
    places = minor_units(currency)
    return str(amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN))
