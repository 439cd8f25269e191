//! A figure (`2.4 ms`, `34×`) drawn as large as its area allows.

pub struct BigFigure;
