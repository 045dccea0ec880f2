"""MedProcure application package (packaged into the Lambda by Chalice)."""
