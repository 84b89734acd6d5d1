//! A small stack buffer for the pieces written once per prefix (dotted quads,
//! prefix lengths): digits come from a table and the text is validated once
//! per piece, instead of one `str::from_utf8` per number.

/// Decimal digits of every octet value: (digit count, digits left-aligned).
const OCTET: [(u8, [u8; 3]); 256] = {
    let mut t = [(0u8, [0u8; 3]); 256];
    let mut i = 0;
    while i < 256 {
        let v = i as u8;
        t[i] = if v >= 100 {
            (3, [b'0' + v / 100, b'0' + v / 10 % 10, b'0' + v % 10])
        } else if v >= 10 {
            (2, [b'0' + v / 10, b'0' + v % 10, 0])
        } else {
            (1, [b'0' + v, 0, 0])
        };
        i += 1;
    }
    t
};

/// [`OCTET`] followed by a dot: (digit count, digits and dot, left-aligned).
const DOTTED: [(u8, [u8; 4]); 256] = {
    let mut t = [(0u8, [0u8; 4]); 256];
    let mut i = 0;
    while i < 256 {
        let (n, d) = OCTET[i];
        let mut e = [d[0], d[1], d[2], 0];
        e[n as usize] = b'.';
        t[i] = (n, e);
        i += 1;
    }
    t
};

/// The longest piece written in one go, a prefix element with a path
/// identifier and its separator,
/// `, { "nlri": "255.255.255.255/255", "path-information": "255.255.255.255" }`
/// (73 octets: a peer's length octet is not checked here), plus the 3 octets
/// [`Ascii::octet`] may write past the end.
pub(crate) const PIECE: usize = 76;

/// Room for one piece.
pub(crate) type Piece = Ascii<PIECE>;

/// Room for a run of pieces, flushed to the output when [`Ascii::room`] is
/// below [`PIECE`].
pub(crate) type Block = Ascii<1024>;

/// ASCII text built on the stack. Writes past `N` are cut (the text is then
/// a prefix of what was written), never a panic; callers check
/// [`Ascii::room`] so that nothing is cut.
pub(crate) struct Ascii<const N: usize> {
    buf: [u8; N],
    len: usize,
}

impl<const N: usize> Ascii<N> {
    #[inline]
    pub(crate) fn new() -> Self {
        Ascii {
            buf: [0; N],
            len: 0,
        }
    }

    /// Octets left.
    #[inline]
    pub(crate) fn room(&self) -> usize {
        N - self.len
    }

    #[inline]
    pub(crate) fn clear(&mut self) {
        self.len = 0;
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Append literal text (ASCII by construction at every call site).
    #[inline]
    pub(crate) fn text(&mut self, s: &[u8]) {
        // The common case copies a literal's constant length (inline moves,
        // no call to memcpy); only a write that does not fit is cut.
        if let Some(dst) = self.buf.get_mut(self.len..self.len + s.len()) {
            dst.copy_from_slice(s);
            self.len += s.len();
        } else {
            let n = N - self.len;
            self.buf[self.len..].copy_from_slice(&s[..n]);
            self.len = N;
        }
    }

    /// Append an octet in decimal: a fixed 3-octet copy, then advance by the
    /// digit count.
    #[inline]
    pub(crate) fn octet(&mut self, v: u8) {
        let (n, d) = OCTET[v as usize];
        if let Some(dst) = self.buf.get_mut(self.len..self.len + 3) {
            dst.copy_from_slice(&d);
            self.len += n as usize;
        } else {
            // Near the end: the digits that fit (a cut, like `text`).
            self.text(&d[..n as usize]);
        }
    }

    /// Append a dotted quad: with room for the longest, four fixed 4-octet
    /// copies of "digits." from [`DOTTED`], each advancing by its length.
    #[inline]
    pub(crate) fn ipv4(&mut self, a: u32) {
        let start = self.len;
        if let Some(dst) = self.buf.get_mut(start..start + 16) {
            let mut p = 0;
            for (i, v) in a.to_be_bytes().into_iter().enumerate() {
                let (n, d) = DOTTED[v as usize];
                if let Some(at) = dst.get_mut(p..p + 4) {
                    at.copy_from_slice(&d);
                }
                // The last octet's dot is written but not kept.
                p += n as usize + usize::from(i < 3);
            }
            self.len = start + p;
            return;
        }
        let [a, b, c, d] = a.to_be_bytes();
        self.octet(a);
        self.text(b".");
        self.octet(b);
        self.text(b".");
        self.octet(c);
        self.text(b".");
        self.octet(d);
    }

    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// The text; only ASCII is ever written, so the check cannot fail.
    #[inline]
    pub(crate) fn as_str(&self) -> &str {
        std::str::from_utf8(self.as_bytes()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quickcheck::quickcheck;

    #[test]
    fn octets_and_quads() {
        let mut a = Piece::new();
        for v in [0u8, 9, 10, 99, 100, 199, 255] {
            a.octet(v);
            a.text(b" ");
        }
        assert_eq!(a.as_str(), "0 9 10 99 100 199 255 ");
        let mut a = Piece::new();
        a.ipv4(0x0A00_FF01);
        assert_eq!(a.as_str(), "10.0.255.1");
    }

    #[test]
    fn never_writes_past_the_end() {
        let mut a = Piece::new();
        for _ in 0..40 {
            a.ipv4(u32::MAX);
            a.text(b"/32");
        }
        // Everything is cut at the end: the text is a prefix of the whole.
        assert_eq!(a.as_bytes().len(), PIECE);
        let whole = "255.255.255.255/32".repeat(40);
        assert_eq!(a.as_str(), &whole[..PIECE]);
        assert_eq!(a.room(), 0);
        assert!(a.as_str().starts_with("255.255.255.255/32255."));
        a.clear();
        assert!(a.is_empty());
        assert_eq!(a.room(), PIECE);
    }

    quickcheck! {
        fn quad_matches_display(a: u32) -> bool {
            let mut b = Piece::new();
            b.ipv4(a);
            b.as_str() == std::net::Ipv4Addr::from(a).to_string()
        }

        /// Near the end of the buffer (the octet-by-octet path) the text is
        /// the same, cut at the end.
        fn quad_near_the_end_is_cut_not_changed(a: u32, fill: u8) -> bool {
            let mut b = Piece::new();
            let fill = usize::from(fill) % PIECE;
            for _ in 0..fill {
                b.text(b"x");
            }
            b.ipv4(a);
            let want = format!("{}{}", "x".repeat(fill), std::net::Ipv4Addr::from(a));
            let s = b.as_str();
            s == &want[..want.len().min(PIECE)]
        }
    }
}
