/**
 * Checks applied to candidate matches after the regex pass, for what a regex cannot say well:
 * checksums, numeric ranges and address syntax.
 */
import { isIPv6 } from 'node:net';

const digitsOf = (s: string) => s.replace(/\D/g, '');

/** Luhn (mod 10) checksum over a string of digits. */
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

/**
 * A payment card number: 13-19 digits, a leading digit of a card network's range (2-6: Mastercard,
 * Amex/Diners/JCB, Visa, Mastercard, Discover/UnionPay) and a valid Luhn checksum.
 */
export function isCardNumber(candidate: string): boolean {
  const d = digitsOf(candidate);
  return d.length >= 13 && d.length <= 19 && d[0]! >= '2' && d[0]! <= '6' && luhnValid(d);
}

/** A US SSN `AAA-GG-SSSS` (or with spaces or dots) with area not 000/666/9xx, group not 00, serial not 0000. */
export function isSsn(candidate: string): boolean {
  const [area, group, serial] = candidate.split(/[-. ]/);
  if (area === undefined || group === undefined || serial === undefined) return false;
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** An international phone number carries 8 to 15 digits (E.164 allows at most 15). */
export function hasPhoneDigitCount(candidate: string): boolean {
  const n = digitsOf(candidate).length;
  return n >= 8 && n <= 15;
}

/**
 * Dotted quad whose octets are all 0-255, other than loopback (127/8) and the unspecified 0.0.0.0,
 * which identify no one.
 */
export function isIPv4(candidate: string): boolean {
  const parts = candidate.split('.');
  if (parts[0] === '127' || candidate === '0.0.0.0') return false;
  return parts.length === 4 && parts.every((p) => p.length >= 1 && p.length <= 3 && /^\d+$/.test(p) && Number(p) <= 255);
}

/**
 * A valid IPv6 address worth masking: at least two non-empty groups and five hex digits, so that
 * `::1` and C++-like `a::b` are left alone while `fe80::1` or `2001:db8::7` are masked.
 */
export function isMaskableIPv6(candidate: string): boolean {
  if (!isIPv6(candidate)) return false;
  const groups = candidate.split(/[:.]/).filter((g) => g.length > 0);
  const hexDigits = groups.reduce((n, g) => n + g.length, 0);
  return groups.length >= 2 && hexDigits >= 5;
}

/** A secret-looking token: at least one letter and one digit (rules out `sk-learn-...`, prose). */
export function hasLetterAndDigit(token: string): boolean {
  return /[A-Za-z]/.test(token) && /\d/.test(token);
}

/**
 * A bare AWS secret access key: exactly 40 characters of the base64 alphabet with an upper-case
 * letter, a lower-case letter and a digit (hex digests are single-case, words have no digits).
 */
export function isAwsSecretKey(token: string): boolean {
  return token.length === 40 && /^[A-Za-z0-9+/]+$/.test(token) && /[A-Z]/.test(token) && /[a-z]/.test(token) && /\d/.test(token);
}
