//! Schema drift detection for migsafe: schema file vs replayed migrations vs live database
