WHO = "beta"
